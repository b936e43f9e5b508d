// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// The slice of Permit2 that the proxies call.
interface ISignatureTransfer {
    struct TokenPermissions {
        address token;
        uint256 amount;
    }

    struct PermitTransferFrom {
        TokenPermissions permitted;
        uint256 nonce;
        uint256 deadline;
    }

    struct SignatureTransferDetails {
        address to;
        uint256 requestedAmount;
    }

    function permitWitnessTransferFrom(
        PermitTransferFrom calldata permit,
        SignatureTransferDetails calldata transferDetails,
        address owner,
        bytes32 witness,
        string calldata witnessTypeString,
        bytes calldata signature
    ) external;
}

/// The slice of EIP-2612 that settleWithPermit calls.
interface IERC20Permit {
    function permit(address owner, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;
}

/// Shared by both proxies: the canonical Permit2 address and a reentrancy guard whose unset slot means unlocked
/// (so that the runtime code works when installed with anvil_setCode, with no constructor run).
abstract contract Permit2ProxyBase {
    ISignatureTransfer public constant PERMIT2 = ISignatureTransfer(0x000000000022D473030F116dDEE9F6B43aC78BA3);

    error InvalidOwner();
    error InvalidDestination();
    error PaymentTooEarly();
    error ReentrancyGuardReentrantCall();
    error Permit2612AmountMismatch();

    event Settled();

    /// An EIP-2612 permit of the payer for Permit2 (the gas-sponsoring extension): value, deadline and signature.
    struct EIP2612Permit {
        uint256 value;
        uint256 deadline;
        bytes32 r;
        bytes32 s;
        uint8 v;
    }

    uint256 private entered;

    modifier nonReentrant() {
        if (entered == 1) revert ReentrancyGuardReentrantCall();
        entered = 1;
        _;
        entered = 0;
    }

    function checkCommon(address owner, address to, uint256 validAfter) internal view {
        if (owner == address(0)) revert InvalidOwner();
        if (to == address(0)) revert InvalidDestination();
        if (block.timestamp < validAfter) revert PaymentTooEarly();
    }

    /// Approves Permit2 with the payer's EIP-2612 permit for exactly the permitted amount. A permit that fails (a
    /// copy submitted first by someone else) is passed over: Permit2 itself then refuses a missing allowance.
    function applyPermit(EIP2612Permit calldata permit2612, address token, uint256 permitted, address owner) internal {
        if (permit2612.value != permitted) revert Permit2612AmountMismatch();
        try IERC20Permit(token).permit(owner, address(PERMIT2), permit2612.value, permit2612.deadline, permit2612.v, permit2612.r, permit2612.s) {} catch {}
    }
}

/// @title x402UptoPermit2Proxy, for local chains: settles any amount up to the signed maximum, to the signed
///        recipient, and only when sent by the facilitator the payer named in the witness.
/// @notice Written from the x402 `upto` EVM scheme specification and the published interface of the x402 proxy
///         (settle(permit, amount, owner, witness, signature), Witness(address to,address facilitator,uint256
///         validAfter)), and settleWithPermit for the EIP-2612 gas-sponsoring extension.
contract X402UptoPermit2Proxy is Permit2ProxyBase {
    struct Witness {
        address to;
        address facilitator;
        uint256 validAfter;
    }

    string public constant WITNESS_TYPE_STRING =
        "Witness witness)TokenPermissions(address token,uint256 amount)Witness(address to,address facilitator,uint256 validAfter)";
    bytes32 public constant WITNESS_TYPEHASH = keccak256("Witness(address to,address facilitator,uint256 validAfter)");

    error AmountExceedsPermitted();
    error UnauthorizedFacilitator();

    function settle(
        ISignatureTransfer.PermitTransferFrom calldata permit,
        uint256 amount,
        address owner,
        Witness calldata witness,
        bytes calldata signature
    ) external nonReentrant {
        transfer(permit, amount, owner, witness, signature);
    }

    function settleWithPermit(
        EIP2612Permit calldata permit2612,
        ISignatureTransfer.PermitTransferFrom calldata permit,
        uint256 amount,
        address owner,
        Witness calldata witness,
        bytes calldata signature
    ) external nonReentrant {
        applyPermit(permit2612, permit.permitted.token, permit.permitted.amount, owner);
        transfer(permit, amount, owner, witness, signature);
    }

    function transfer(
        ISignatureTransfer.PermitTransferFrom calldata permit,
        uint256 amount,
        address owner,
        Witness calldata witness,
        bytes calldata signature
    ) private {
        checkCommon(owner, witness.to, witness.validAfter);
        if (amount > permit.permitted.amount) revert AmountExceedsPermitted();
        if (msg.sender != witness.facilitator) revert UnauthorizedFacilitator();
        bytes32 witnessHash = keccak256(abi.encode(WITNESS_TYPEHASH, witness.to, witness.facilitator, witness.validAfter));
        PERMIT2.permitWitnessTransferFrom(
            permit,
            ISignatureTransfer.SignatureTransferDetails({to: witness.to, requestedAmount: amount}),
            owner,
            witnessHash,
            WITNESS_TYPE_STRING,
            signature
        );
        emit Settled();
    }
}

/// @title x402ExactPermit2Proxy, for local chains: settles exactly the signed amount to the signed recipient.
/// @notice Written from the x402 `exact` EVM scheme specification (assetTransferMethod "permit2") and the published
///         interface of the x402 proxy (settle(permit, owner, witness, signature), Witness(address to,uint256
///         validAfter)), and settleWithPermit for the EIP-2612 gas-sponsoring extension.
contract X402ExactPermit2Proxy is Permit2ProxyBase {
    struct Witness {
        address to;
        uint256 validAfter;
    }

    string public constant WITNESS_TYPE_STRING =
        "Witness witness)TokenPermissions(address token,uint256 amount)Witness(address to,uint256 validAfter)";
    bytes32 public constant WITNESS_TYPEHASH = keccak256("Witness(address to,uint256 validAfter)");

    error InvalidAmount();

    function settle(
        ISignatureTransfer.PermitTransferFrom calldata permit,
        address owner,
        Witness calldata witness,
        bytes calldata signature
    ) external nonReentrant {
        transfer(permit, owner, witness, signature);
    }

    function settleWithPermit(
        EIP2612Permit calldata permit2612,
        ISignatureTransfer.PermitTransferFrom calldata permit,
        address owner,
        Witness calldata witness,
        bytes calldata signature
    ) external nonReentrant {
        applyPermit(permit2612, permit.permitted.token, permit.permitted.amount, owner);
        transfer(permit, owner, witness, signature);
    }

    function transfer(
        ISignatureTransfer.PermitTransferFrom calldata permit,
        address owner,
        Witness calldata witness,
        bytes calldata signature
    ) private {
        checkCommon(owner, witness.to, witness.validAfter);
        if (permit.permitted.amount == 0) revert InvalidAmount();
        bytes32 witnessHash = keccak256(abi.encode(WITNESS_TYPEHASH, witness.to, witness.validAfter));
        PERMIT2.permitWitnessTransferFrom(
            permit,
            ISignatureTransfer.SignatureTransferDetails({to: witness.to, requestedAmount: permit.permitted.amount}),
            owner,
            witnessHash,
            WITNESS_TYPE_STRING,
            signature
        );
        emit Settled();
    }
}
