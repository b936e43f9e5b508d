// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title TestWallet: the smallest ERC-1271 smart-contract wallet, for local chains and tests only.
/// @notice Written from the ERC-1271 specification. It accepts a signature of a hash when its owner (a plain
///         account) signed that hash. Tokens it holds move by EIP-3009 authorizations whose `from` is the wallet
///         and whose signature is the owner's.
contract TestWallet {
    address public immutable owner;

    /// bytes4(keccak256("isValidSignature(bytes32,bytes)")), the answer for a signature the wallet accepts.
    bytes4 private constant MAGIC_VALUE = 0x1626ba7e;
    bytes4 private constant REFUSED = 0xffffffff;
    /// secp256k1n / 2: signatures with a larger s are malleable copies (EIP-2) and are refused.
    uint256 private constant HALF_CURVE_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    constructor(address owner_) {
        owner = owner_;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (signature.length != 65) return REFUSED;
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        if (v < 27) v += 27;
        if (uint256(s) > HALF_CURVE_ORDER || (v != 27 && v != 28)) return REFUSED;
        address signer = ecrecover(hash, v, r, s);
        return signer != address(0) && signer == owner ? MAGIC_VALUE : REFUSED;
    }
}

/// @title TestWalletFactory: deploys TestWallets at addresses known in advance (CREATE2), so that a wallet can
///        hold tokens and sign before it exists, as ERC-6492 describes.
contract TestWalletFactory {
    event WalletDeployed(address indexed wallet, address indexed owner, bytes32 salt);

    function deploy(address owner, bytes32 salt) external returns (address wallet) {
        wallet = address(new TestWallet{salt: salt}(owner));
        emit WalletDeployed(wallet, owner, salt);
    }

    /// Where deploy(owner, salt) puts the wallet.
    function addressOf(address owner, bytes32 salt) external view returns (address) {
        bytes32 initCodeHash = keccak256(abi.encodePacked(type(TestWallet).creationCode, abi.encode(owner)));
        return address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), address(this), salt, initCodeHash)))));
    }
}
