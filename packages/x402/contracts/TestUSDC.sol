// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title TestUSDC: a 6-decimal ERC-20 with EIP-3009 signed transfers, for local chains only.
/// @notice Written from the ERC-20, EIP-712, EIP-3009 and ERC-1271 specifications. The owner can mint at
///         will, so this token is worthless by design: never deploy it anywhere that matters. Like USDC v2.2, it
///         takes signatures from smart-contract wallets (ERC-1271) as well as from plain accounts.
contract TestUSDC {
    // ---- ERC-20 ----

    string public name;
    string public version;
    string public constant symbol = "USDC";
    uint8 public constant decimals = 6;
    uint256 public totalSupply;
    address public immutable owner;

    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    // ---- EIP-3009 ----

    bytes32 public constant TRANSFER_WITH_AUTHORIZATION_TYPEHASH = keccak256(
        "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );
    bytes32 public constant RECEIVE_WITH_AUTHORIZATION_TYPEHASH = keccak256(
        "ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );
    bytes32 public constant CANCEL_AUTHORIZATION_TYPEHASH =
        keccak256("CancelAuthorization(address authorizer,bytes32 nonce)");

    /// authorizer => nonce => used (or cancelled)
    mapping(address => mapping(bytes32 => bool)) private usedAuthorizations;

    event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce);
    event AuthorizationCanceled(address indexed authorizer, bytes32 indexed nonce);

    // ---- EIP-712 ----

    bytes32 private constant EIP712_DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    /// secp256k1n / 2: signatures with a larger s are malleable copies (EIP-2) and are refused.
    uint256 private constant HALF_CURVE_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;
    /// ERC-1271: what `isValidSignature(bytes32,bytes)` answers for a signature the wallet accepts.
    bytes4 private constant ERC1271_MAGIC_VALUE = 0x1626ba7e;

    bytes32 private immutable deployedDomainSeparator;
    uint256 private immutable deployedChainId;

    constructor(string memory name_, string memory version_) {
        name = name_;
        version = version_;
        owner = msg.sender;
        deployedChainId = block.chainid;
        deployedDomainSeparator = computeDomainSeparator();
    }

    /// The EIP-712 domain separator, recomputed if the chain forked to another id.
    function DOMAIN_SEPARATOR() public view returns (bytes32) {
        return block.chainid == deployedChainId ? deployedDomainSeparator : computeDomainSeparator();
    }

    function computeDomainSeparator() private view returns (bytes32) {
        return keccak256(
            abi.encode(
                EIP712_DOMAIN_TYPEHASH,
                keccak256(bytes(name)),
                keccak256(bytes(version)),
                block.chainid,
                address(this)
            )
        );
    }

    // ---- ERC-20 functions ----

    function transfer(address to, uint256 value) external returns (bool) {
        moveTokens(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            require(allowed >= value, "transfer amount exceeds allowance");
            allowance[from][msg.sender] = allowed - value;
        }
        moveTokens(from, to, value);
        return true;
    }

    /// Test money: the deployer creates tokens out of thin air.
    function mint(address to, uint256 amount) external {
        require(msg.sender == owner, "caller is not the owner");
        require(to != address(0), "mint to the zero address");
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    // ---- EIP-3009 functions ----

    function authorizationState(address authorizer, bytes32 nonce) external view returns (bool) {
        return usedAuthorizations[authorizer][nonce];
    }

    /// Anyone may submit a transfer the holder signed (v, r, s form).
    function transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        transferSigned(TRANSFER_WITH_AUTHORIZATION_TYPEHASH, from, to, value, validAfter, validBefore, nonce, v, r, s);
    }

    /// The same with the 65-byte signature (r ‖ s ‖ v) in one argument.
    function transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes calldata signature
    ) external {
        bytes32 digest = authorize(TRANSFER_WITH_AUTHORIZATION_TYPEHASH, from, to, value, validAfter, validBefore, nonce);
        requireValidSignature(from, digest, signature);
        spend(from, to, value, nonce);
    }

    /// Like transferWithAuthorization, but only the payee may submit it (no front-running of deposits).
    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        require(to == msg.sender, "caller must be the payee");
        transferSigned(RECEIVE_WITH_AUTHORIZATION_TYPEHASH, from, to, value, validAfter, validBefore, nonce, v, r, s);
    }

    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes calldata signature
    ) external {
        require(to == msg.sender, "caller must be the payee");
        bytes32 digest = authorize(RECEIVE_WITH_AUTHORIZATION_TYPEHASH, from, to, value, validAfter, validBefore, nonce);
        requireValidSignature(from, digest, signature);
        spend(from, to, value, nonce);
    }

    /// The holder withdraws an authorization that has not been used yet.
    function cancelAuthorization(address authorizer, bytes32 nonce, uint8 v, bytes32 r, bytes32 s) external {
        require(!usedAuthorizations[authorizer][nonce], "authorization is used");
        bytes32 structHash = keccak256(abi.encode(CANCEL_AUTHORIZATION_TYPEHASH, authorizer, nonce));
        requireSignedBy(authorizer, digestOf(structHash), v, r, s);
        usedAuthorizations[authorizer][nonce] = true;
        emit AuthorizationCanceled(authorizer, nonce);
    }

    // ---- internals ----

    /// The v, r, s form of a signed transfer: check, verify, spend.
    function transferSigned(
        bytes32 typeHash,
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) private {
        bytes32 digest = authorize(typeHash, from, to, value, validAfter, validBefore, nonce);
        requireSignedBy(from, digest, v, r, s);
        spend(from, to, value, nonce);
    }

    /// Checks an authorization's window and nonce; returns the EIP-712 digest its holder must have signed.
    function authorize(
        bytes32 typeHash,
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce
    ) private view returns (bytes32) {
        // EIP-3009: valid strictly after validAfter and strictly before validBefore.
        require(block.timestamp > validAfter, "authorization is not yet valid");
        require(block.timestamp < validBefore, "authorization is expired");
        require(!usedAuthorizations[from][nonce], "authorization is used");
        return digestOf(keccak256(abi.encode(typeHash, from, to, value, validAfter, validBefore, nonce)));
    }

    function spend(address from, address to, uint256 value, bytes32 nonce) private {
        usedAuthorizations[from][nonce] = true;
        emit AuthorizationUsed(from, nonce);
        moveTokens(from, to, value);
    }

    function moveTokens(address from, address to, uint256 value) private {
        require(to != address(0), "transfer to the zero address");
        uint256 held = balanceOf[from];
        require(held >= value, "transfer amount exceeds balance");
        unchecked {
            balanceOf[from] = held - value;
        }
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }

    function digestOf(bytes32 structHash) internal view returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", DOMAIN_SEPARATOR(), structHash));
    }

    /// Reverts unless `signer` signed `digest`: recovered from v, r, s for a plain account, or accepted by the
    /// signer's own isValidSignature (ERC-1271) when the signer is a contract, with the signature as r ‖ s ‖ v.
    function requireSignedBy(address signer, bytes32 digest, uint8 v, bytes32 r, bytes32 s) internal view {
        if (v < 27) v += 27; // some signers give the recovery id (0 or 1) instead of 27 or 28
        // s above half the curve order is a malleable copy (EIP-2); ecrecover answers the zero address for garbage.
        if (uint256(s) <= HALF_CURVE_ORDER && (v == 27 || v == 28)) {
            address recovered = ecrecover(digest, v, r, s);
            if (recovered != address(0) && recovered == signer) return;
        }
        require(signer.code.length > 0, "invalid signature");
        requireContractSignature(signer, digest, abi.encodePacked(r, s, v));
    }

    /// The bytes form: 65 bytes as above, any other length only from a contract wallet.
    function requireValidSignature(address signer, bytes32 digest, bytes calldata signature) private view {
        if (signature.length == 65) {
            requireSignedBy(signer, digest, uint8(signature[64]), bytes32(signature[0:32]), bytes32(signature[32:64]));
            return;
        }
        require(signer.code.length > 0, "invalid signature");
        requireContractSignature(signer, digest, signature);
    }

    function requireContractSignature(address wallet, bytes32 digest, bytes memory signature) private view {
        (bool ok, bytes memory answer) = wallet.staticcall(abi.encodeWithSignature("isValidSignature(bytes32,bytes)", digest, signature));
        require(ok && answer.length >= 32 && abi.decode(answer, (bytes4)) == ERC1271_MAGIC_VALUE, "invalid signature");
    }
}
