// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BatchSettlementLib, IDepositCollector} from "./BatchSettlementLib.sol";

// The deposit collectors of x402BatchSettlement (X402BatchSettlement.sol), for local chains: each pulls a payer's
// tokens into the settlement contract on its `deposit` call, under one kind of payer signature.

interface IERC3009Receive {
    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes calldata signature
    ) external;
}

/// The part both collectors share: the settlement contract's canonical address (a constant, not a constructor
/// argument, so that anvil_setCode installs a working collector), and the rule that only it may call `collect`
/// (else anyone could spend a payer's authorization without crediting the channel).
abstract contract DepositCollectorBase is IDepositCollector {
    address public constant x402BatchSettlement = 0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003;

    error OnlyX402BatchSettlement();

    modifier onlyX402BatchSettlement() {
        if (msg.sender != x402BatchSettlement) revert OnlyX402BatchSettlement();
        _;
    }
}

/// @title ERC3009DepositCollector, for local chains: deposits through the token's ERC-3009 `receiveWithAuthorization`.
/// @notice The payer signs ReceiveWithAuthorization(from payer, to this collector, value amount, validAfter,
///         validBefore, nonce keccak256(abi.encode(channelId, salt))); collectorData is
///         abi.encode(validAfter, validBefore, salt, signature). The tokens arrive here and go on to the settlement.
contract ERC3009DepositCollector is DepositCollectorBase {
    function collect(address payer, address token, uint256 amount, bytes32 channelId, bytes calldata collectorData)
        external
        onlyX402BatchSettlement
    {
        (uint256 validAfter, uint256 validBefore, uint256 salt, bytes memory signature) =
            abi.decode(collectorData, (uint256, uint256, uint256, bytes));
        bytes32 nonce = keccak256(abi.encode(channelId, salt));
        IERC3009Receive(token).receiveWithAuthorization(payer, address(this), amount, validAfter, validBefore, nonce, signature);
        BatchSettlementLib.safeTransfer(token, x402BatchSettlement, amount);
    }
}

interface IPermit2WitnessTransfer {
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

interface IERC2612 {
    function permit(address owner, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;
}

/// @title Permit2DepositCollector, for local chains: deposits through Permit2 with the channel id as witness.
/// @notice The payer signs PermitWitnessTransferFrom(permitted (token, amount), spender this collector, nonce,
///         deadline, witness DepositWitness(channelId)); collectorData is abi.encode(nonce, deadline, signature,
///         eip2612PermitData). Permit2 moves the tokens straight to the settlement contract. A non-empty
///         eip2612PermitData, abi.encode(value, deadline, v, r, s), is first offered to the token's `permit` for
///         Permit2; if the token refuses, an event says why and the transfer is still attempted.
contract Permit2DepositCollector is DepositCollectorBase {
    IPermit2WitnessTransfer public constant PERMIT2 = IPermit2WitnessTransfer(0x000000000022D473030F116dDEE9F6B43aC78BA3);

    string public constant DEPOSIT_WITNESS_TYPE_STRING =
        "DepositWitness witness)DepositWitness(bytes32 channelId)TokenPermissions(address token,uint256 amount)";
    bytes32 public constant DEPOSIT_WITNESS_TYPEHASH = keccak256("DepositWitness(bytes32 channelId)");

    error Permit2612AmountMismatch();

    event EIP2612PermitFailedWithReason(address indexed token, address indexed owner, string reason);
    event EIP2612PermitFailedWithPanic(address indexed token, address indexed owner, uint256 errorCode);
    event EIP2612PermitFailedWithData(address indexed token, address indexed owner, bytes data);

    function collect(address payer, address token, uint256 amount, bytes32 channelId, bytes calldata collectorData)
        external
        onlyX402BatchSettlement
    {
        (uint256 nonce, uint256 deadline, bytes memory signature, bytes memory eip2612PermitData) =
            abi.decode(collectorData, (uint256, uint256, bytes, bytes));
        if (eip2612PermitData.length > 0) tryPermit(payer, token, amount, eip2612PermitData);

        PERMIT2.permitWitnessTransferFrom(
            IPermit2WitnessTransfer.PermitTransferFrom({
                permitted: IPermit2WitnessTransfer.TokenPermissions({token: token, amount: amount}),
                nonce: nonce,
                deadline: deadline
            }),
            IPermit2WitnessTransfer.SignatureTransferDetails({to: x402BatchSettlement, requestedAmount: amount}),
            payer,
            keccak256(abi.encode(DEPOSIT_WITNESS_TYPEHASH, channelId)),
            DEPOSIT_WITNESS_TYPE_STRING,
            signature
        );
    }

    function tryPermit(address payer, address token, uint256 amount, bytes memory permitData) private {
        (uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s) =
            abi.decode(permitData, (uint256, uint256, uint8, bytes32, bytes32));
        if (value != amount) revert Permit2612AmountMismatch();
        try IERC2612(token).permit(payer, address(PERMIT2), value, deadline, v, r, s) {}
        catch Error(string memory reason) {
            emit EIP2612PermitFailedWithReason(token, payer, reason);
        } catch Panic(uint256 code) {
            emit EIP2612PermitFailedWithPanic(token, payer, code);
        } catch (bytes memory data) {
            emit EIP2612PermitFailedWithData(token, payer, data);
        }
    }
}
